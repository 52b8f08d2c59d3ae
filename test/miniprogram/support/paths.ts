import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const MP_ROOT = join(REPO_ROOT, 'miniprogram');
