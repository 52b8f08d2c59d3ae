// A tiny element builder. Text always goes in through text nodes, never as HTML, so nothing the server or a
// person typed can become markup (the page's CSP also allows no inline script or style).
export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | undefined | null | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (name === 'testid') el.setAttribute('data-testid', String(value));
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A message area announced to screen readers; `kind` picks the colour. Empty text hides it. */
export function setMessage(el: HTMLElement, text: string, kind: 'error' | 'info' | 'success' = 'error'): void {
  el.textContent = text;
  el.className = `message message-${kind}`;
  el.hidden = text === '';
}

export function messageBox(testid: string): HTMLElement {
  const el = h('p', { class: 'message', role: 'alert', testid });
  el.hidden = true;
  return el;
}

/**
 * Runs `action` once at a time for a form: while it runs, a second submit (double click, Enter twice) is ignored
 * and the submit buttons are disabled.
 */
export function guardSubmit(form: HTMLFormElement, action: () => Promise<void>): void {
  let busy = false;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>('button[type="submit"]'));
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    action().finally(() => {
      busy = false;
      for (const b of buttons) b.disabled = false;
      form.removeAttribute('aria-busy');
    });
  });
}

export function field(label: string, input: HTMLElement, hint?: string, hintTestid?: string): HTMLElement {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('small', { class: 'hint', testid: hintTestid }, hint) : null,
  );
}

/**
 * A table that becomes stacked rows on a phone: each cell carries its column's name (`data-label`), which the
 * stylesheet shows beside the value when the header row is out of sight.
 */
export function table(headers: string[], rows: Child[][], testid?: string): HTMLTableElement {
  return h(
    'table',
    { testid, class: 'stack' },
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { 'data-label': headers[i] ?? '' }, c))))),
  );
}

/** The raw data behind a sentence, one click away. */
export function rawDetails(summary: string, data: unknown, testid?: string): HTMLDetailsElement {
  const text = typeof data === 'string' ? data : JSON.stringify(data, null, 2);
  return h('details', { class: 'raw', testid }, h('summary', {}, summary), h('pre', { class: 'mono' }, text));
}
