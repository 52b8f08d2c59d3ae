// Loads a page or component of the real Mini Program into miniprogram-simulate (official wcc compiler).
import { join } from 'node:path';
import simulate from 'miniprogram-simulate';
import { buildMiniprogram } from '../../../scripts/build-miniprogram';
import { MP_ROOT } from './paths';

// The pages import miniprogram/generated/; make sure it exists on a fresh clone.
buildMiniprogram({ apiBaseUrl: process.env.MINIPROGRAM_API_BASE_URL });

export type Rendered = ReturnType<typeof simulate.render>;

/** Renders `pages/<name>/index` or `components/<name>/index` and attaches it to the document. */
export function render(relPath: string, props?: Record<string, unknown>): Rendered {
  const id = simulate.load(join(MP_ROOT, relPath), { rootPath: MP_ROOT });
  const comp = simulate.render(id, props);
  const parent = document.createElement('parent-wrapper');
  document.body.appendChild(parent);
  comp.attach(parent);
  return comp;
}

/** A page: rendered, then onLoad(query) as the framework would call it. */
export function openPage(name: string, query: Record<string, string> = {}): Rendered {
  const comp = render(`pages/${name}/index`);
  const inst = comp.instance as unknown as { onLoad?: (q: Record<string, string>) => void; onShow?: () => void };
  inst.onLoad?.(query);
  inst.onShow?.();
  return comp;
}

/** The rendered text: every text node, separated by one space (the compiler drops whitespace between tags). */
export function text(comp: Rendered): string {
  const parts: string[] = [];
  const walk = (node: Node) => {
    if (node.nodeType === 3) parts.push(node.nodeValue ?? '');
    node.childNodes.forEach(walk);
  };
  if (comp.dom) walk(comp.dom);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

export function methods(comp: Rendered): Record<string, (...args: any[]) => any> {
  return comp.instance as unknown as Record<string, (...args: any[]) => any>;
}

/** Taps the first element matching `selector`; "a >>> b" looks for b inside custom component a. */
export function tap(comp: Rendered, selector: string): void {
  let el: any = comp;
  for (const part of selector.split('>>>').map((s) => s.trim())) {
    el = el?.querySelector(part);
  }
  if (!el) throw new Error(`no element matches ${selector}`);
  el.dispatchEvent('tap');
}
