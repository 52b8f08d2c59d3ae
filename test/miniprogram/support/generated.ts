// Writes miniprogram/generated/ (a fresh clone has none; `npm test` also does it first) and reads the
// configured API base URL from it. Import this before anything that loads Mini Program code.
import { buildMiniprogram } from '../../../scripts/build-miniprogram';

buildMiniprogram({ apiBaseUrl: process.env.MINIPROGRAM_API_BASE_URL });

export const API_BASE_URL: string = (require('../../../miniprogram/generated/env') as { API_BASE_URL: string }).API_BASE_URL;
