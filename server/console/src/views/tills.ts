// The tills admins keep (#/tills): the list with each till's store and device, a form to add one or edit one,
// and disable / enable. What is typed is checked here in the unit WeChat Pay counts (UTF-8 bytes), so the person
// reads which field is too long in their language; the API checks the same again.
import type { CreateTillRequest, TillView, UpdateTillRequest } from '../../../../shared/api';
import { isWellFormedText, TEXT_LIMITS, textLength, type TextField } from '../../../../shared/text-limits';
import { api, ApiError } from '../api';
import { field, guardSubmit, h, messageBox, replaceChildren, setMessage, table } from '../dom';
import type { MessageKey } from '../i18n';
import { errorText, isAbort, t } from '../ui';
import type { ViewContext } from './context';

type Key = keyof CreateTillRequest;

const FIELDS: ReadonlyArray<{ key: Key; label: MessageKey; limit?: TextField; hint?: MessageKey; optional?: boolean }> = [
  { key: 'label', label: 'tills.label', limit: 'tillLabel', hint: 'tills.labelHint' },
  { key: 'storeId', label: 'tills.storeId', limit: 'storeId', hint: 'tills.storeIdHint' },
  { key: 'storeName', label: 'tills.storeName', limit: 'storeName' },
  { key: 'storeAddress', label: 'tills.storeAddress', limit: 'storeAddress', optional: true },
  { key: 'deviceId', label: 'tills.deviceId', limit: 'deviceId', hint: 'tills.deviceIdHint' },
  { key: 'deviceIp', label: 'tills.deviceIp', optional: true },
];

const CONTROL = /\p{Cc}|[\u2028\u2029]/u;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** Why `value` does not fit the field, in words; undefined when it does. */
export function tillFieldProblem(f: (typeof FIELDS)[number], value: string): string | undefined {
  const name = t(f.label);
  if (!value) return f.optional ? undefined : t('tills.required', { field: name });
  if (f.key === 'deviceIp') return IPV4.test(value) || IPV6.test(value) ? undefined : t('tills.badIp', { field: name });
  if (!f.limit) return undefined;
  const limit = TEXT_LIMITS[f.limit];
  if (!isWellFormedText(value)) return t('tills.badText', { field: name });
  if (CONTROL.test(value)) return t('tills.oneLine', { field: name });
  if (textLength(value, limit.unit) > limit.max)
    return t(limit.unit === 'utf8-bytes' ? 'tills.tooLongBytes' : 'tills.tooLongChars', { field: name, max: limit.max });
  return undefined;
}

export function tillsView(ctx: ViewContext): HTMLElement {
  const message = messageBox('tills-message');
  const list = h('div', { class: 'results tills-list', testid: 'tills-list' });
  const formBox = h('div', {});
  let tills: TillView[] = [];

  const load = (notice?: string) => {
    api.tills(ctx.signal).then(
      (res) => {
        tills = res.items;
        renderList();
        if (notice) setMessage(message, notice, 'success');
      },
      (err) => {
        if (isAbort(err)) return;
        setMessage(message, errorText(err));
      },
    );
  };

  const failure = (err: unknown, body: Partial<CreateTillRequest>, before?: TillView) =>
    err instanceof ApiError && err.code === 'DUPLICATE'
      ? t('tills.duplicate', { store: body.storeId ?? before?.storeId ?? '', device: body.deviceId ?? before?.deviceId ?? '' })
      : errorText(err);

  const renderForm = (editing?: TillView) => {
    const inputs = new Map<Key, HTMLInputElement>();
    const fieldsEls = FIELDS.map((f) => {
      const input = h('input', {
        name: f.key,
        autocomplete: 'off',
        spellcheck: false,
        required: !f.optional,
        value: editing?.[f.key] ?? '',
        testid: `till-${f.key}`,
      });
      inputs.set(f.key, input);
      return field(t(f.label), input, f.hint ? t(f.hint) : undefined);
    });
    const formMessage = messageBox('till-form-error');
    const form = h(
      'form',
      { class: 'card', testid: 'till-form', novalidate: true },
      h('h2', {}, editing ? t('tills.edit', { label: editing.label }) : t('tills.add')),
      ...fieldsEls,
      formMessage,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', testid: 'till-submit' }, editing ? t('tills.save') : t('tills.create')),
        editing ? h('button', { type: 'button', testid: 'till-cancel', onclick: () => renderForm() }, t('common.cancel')) : null,
      ),
    );
    guardSubmit(form, async () => {
      const values = new Map(FIELDS.map((f) => [f.key, inputs.get(f.key)!.value.trim()]));
      for (const f of FIELDS) {
        const problem = tillFieldProblem(f, values.get(f.key)!);
        if (problem) {
          setMessage(formMessage, problem);
          inputs.get(f.key)!.focus();
          return;
        }
      }
      setMessage(formMessage, '');
      try {
        if (editing) {
          // Only what changed is sent; an emptied optional field is cleared.
          const patch: UpdateTillRequest = {};
          for (const f of FIELDS) {
            const v = values.get(f.key)!;
            if (v === (editing[f.key] ?? '')) continue;
            (patch as Record<string, string | null>)[f.key] = v === '' ? null : v;
          }
          const saved = Object.keys(patch).length ? await api.updateTill(editing.id, patch) : editing;
          renderForm();
          load(t('tills.saved', { label: saved.label }));
        } else {
          const body = Object.fromEntries([...values].filter(([, v]) => v !== '')) as unknown as CreateTillRequest;
          const created = await api.createTill(body);
          renderForm();
          load(t('tills.created', { label: created.label }));
        }
      } catch (err) {
        setMessage(formMessage, failure(err, Object.fromEntries(values), editing));
      }
    });
    replaceChildren(formBox, form);
    if (editing) {
      form.scrollIntoView({ block: 'nearest' });
      inputs.get('label')!.focus();
    }
  };

  const toggle = async (till: TillView, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const after = await api.setTillActive(till.id, !till.active);
      load(t(after.active ? 'tills.nowEnabled' : 'tills.nowDisabled', { label: after.label }));
    } catch (err) {
      button.disabled = false;
      setMessage(message, errorText(err));
    }
  };

  const renderList = () => {
    if (!tills.length) return replaceChildren(list, h('p', { class: 'card empty', testid: 'tills-empty' }, t('tills.empty')));
    const tbl = table(
      [t('tills.label'), t('tills.store'), t('tills.device'), t('tills.address'), t('tills.state'), t('tills.actions')],
      tills.map((till) => {
        const button = h('button', { type: 'button', testid: 'till-toggle' }, till.active ? t('tills.disable') : t('tills.enable'));
        button.addEventListener('click', () => void toggle(till, button));
        return [
          h('span', { testid: 'till-name' }, till.label),
          `${till.storeName} (${till.storeId})`,
          h('span', { class: 'mono' }, [till.deviceId, till.deviceIp].filter(Boolean).join(' · ')),
          till.storeAddress ?? '—',
          h(
            'span',
            { class: `badge ${till.active ? 'badge-paid' : 'badge-closed'}`, testid: 'till-state' },
            t(till.active ? 'tills.active' : 'tills.disabled'),
          ),
          h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', testid: 'till-edit', onclick: () => renderForm(till) }, t('tills.editButton')),
            button,
          ),
        ];
      }),
      'tills-table',
    );
    tbl.querySelectorAll('tbody tr').forEach((row, i) => {
      (row as HTMLElement).dataset.testid = 'till-row';
      (row as HTMLElement).dataset.tillId = tills[i]?.id ?? '';
    });
    replaceChildren(list, tbl);
  };

  renderForm();
  load();
  return h(
    'section',
    { testid: 'tills-view' },
    h('h1', {}, t('tills.heading')),
    h('p', { class: 'muted' }, t('tills.intro')),
    message,
    list,
    formBox,
  );
}
