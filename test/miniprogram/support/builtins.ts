// miniprogram-simulate registers WeChat's built-in components (view, button, image...) as empty shells: their
// attributes (disabled, type, src, aria-label...) never reach the DOM. These definitions keep the same tag
// names and write the attributes the tests (and the screenshots) look at onto the element, as WeChat's
// renderer does. Import after miniprogram-simulate.
const jComponent = require('j-component') as { register(definition: Record<string, unknown>): unknown };

type Props = Record<string, { type: StringConstructor | BooleanConstructor | NumberConstructor; value: unknown }>;

const str = (value = '') => ({ type: String, value });
const bool = (value = false) => ({ type: Boolean, value });

const ARIA: Props = { ariaLabel: str(), ariaRole: str(), ariaDisabled: bool(), ariaHidden: bool() };

const BUILTINS: Record<string, Props> = {
  view: { ...ARIA, hoverClass: str() },
  text: { ...ARIA },
  button: { ...ARIA, type: str('default'), size: str('default'), disabled: bool(), loading: bool(), plain: bool() },
  image: { ...ARIA, src: str(), mode: str('scaleToFill'), lazyLoad: bool() },
};

function attributeName(prop: string): string {
  return prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function registerBuiltins(): void {
  for (const [name, properties] of Object.entries(BUILTINS)) {
    jComponent.register({
      id: name,
      tagName: `wx-${name}`,
      template: '<slot/>',
      properties,
      observers: {
        '**'(this: { __domElement?: Element; data: Record<string, unknown> }) {
          const el = this.__domElement;
          if (!el) return;
          for (const prop of Object.keys(properties)) {
            const value = this.data[prop];
            const attr = attributeName(prop);
            const def = properties[prop]!.value;
            if (value === def || value === '' || value === false || value === undefined) el.removeAttribute(attr);
            else el.setAttribute(attr, value === true ? 'true' : String(value));
          }
        },
      },
    });
  }
}

registerBuiltins();
