// Loads a page or component of the real Mini Program into miniprogram-simulate (official wcc compiler).
import { join } from 'node:path';
import simulate from 'miniprogram-simulate';
import './builtins';
import './generated';
import { MP_ROOT } from './paths';

// miniprogram-simulate runs a page's or component's file once per load and then deletes it from
// require.cache so the next load runs it again. Jest's require.cache ignores deletes, so a second load
// (the same component on two pages) would register nothing. Remember each file's Component() options
// and register them again when the module comes from the cache; a fresh module registry
// (jest.resetModules) runs the file again and replaces them.
const simulateUtils = require('miniprogram-simulate/src/utils') as { runJs: (filePath: string) => void };
const definitions = new Map<string, unknown>();
simulateUtils.runJs = (filePath: string) => {
  const g = globalThis as unknown as { Component: (options: unknown) => unknown };
  const register = g.Component;
  let ran = false;
  g.Component = (options: unknown) => {
    ran = true;
    definitions.set(filePath, options);
    return register(options);
  };
  try {
    require(filePath);
  } finally {
    g.Component = register;
  }
  if (!ran) {
    const known = definitions.get(filePath);
    if (!known) throw new Error(`${filePath} did not call Component()`);
    register(known);
  }
};

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

/** The DOM element of the first match of `selector` ("a >>> b" looks inside custom component a), or null. */
export function element(comp: Rendered, selector: string): Element | null {
  let el: any = comp;
  for (const part of selector.split('>>>').map((s) => s.trim())) {
    el = el?.querySelector(part);
  }
  return (el?.dom as Element | undefined) ?? null;
}

/** The DOM elements of every match of `selector` in the page's own template. */
export function elements(comp: Rendered, selector: string): Element[] {
  return ((comp as any).querySelectorAll(selector) as { dom: Element }[]).map((c) => c.dom);
}
