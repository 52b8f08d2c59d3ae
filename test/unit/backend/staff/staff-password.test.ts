import { hashPassword, verifyPassword } from '../../../../server/src/domain/staff-password';

test('scrypt hashes verify the right password only, with a fresh salt each time', async () => {
  const a = await hashPassword('correct-horse-battery');
  const b = await hashPassword('correct-horse-battery');
  expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(a).not.toBe(b);
  expect(a).not.toContain('correct-horse-battery');
  await expect(verifyPassword('correct-horse-battery', a)).resolves.toBe(true);
  await expect(verifyPassword('correct-horse-batterY', a)).resolves.toBe(false);
  await expect(verifyPassword('', a)).resolves.toBe(false);
});

test('malformed stored hashes never verify', async () => {
  for (const stored of [
    '',
    'plain',
    'scrypt$1$2$3',
    'bcrypt$16384$8$1$c2FsdA==$aGFzaA==',
    'scrypt$x$8$1$c2FsdA==$aGFzaA==',
    'scrypt$16384$8$1$c2FsdA==$',
  ]) {
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
  }
});
