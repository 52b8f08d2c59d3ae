import type { StaffLoginResponse } from '../../../../shared/api';
import { api } from '../api';
import { field, guardSubmit, h, messageBox, setMessage } from '../dom';
import { errorText, t } from '../ui';

export function loginView(onLoggedIn: (res: StaffLoginResponse) => void, notice?: string): HTMLElement {
  const username = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: true,
    maxlength: 64,
    autofocus: true,
    testid: 'login-username',
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 200,
    testid: 'login-password',
  });
  const message = messageBox('login-error');
  const form = h(
    'form',
    { class: 'card narrow', testid: 'login-form', novalidate: true },
    h('h1', {}, t('login.heading')),
    field(t('login.username'), username),
    field(t('login.password'), password),
    message,
    h('button', { type: 'submit', class: 'primary', testid: 'login-submit' }, t('login.submit')),
  );
  if (notice) setMessage(message, notice, 'info');
  guardSubmit(form, async () => {
    if (!username.value.trim() || !password.value) {
      setMessage(message, t('login.required'));
      return;
    }
    setMessage(message, '');
    try {
      const res = await api.login({ username: username.value.trim(), password: password.value });
      password.value = '';
      onLoggedIn(res);
    } catch (err) {
      password.value = '';
      setMessage(message, errorText(err));
      password.focus();
    }
  });
  // Focus once the form is on the page (the caller attaches it right after this returns).
  queueMicrotask(() => username.focus());
  requestAnimationFrame(() => {
    if (document.activeElement !== password) username.focus();
  });
  return form;
}
