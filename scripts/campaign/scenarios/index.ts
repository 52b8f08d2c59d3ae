// The campaign's scenarios, by number (the numbering).
import type { Scenario } from '../lib/scenario';
import { notificationStorm } from './s1-notification-storm';
import { forgery } from './s2-forgery';
import { refundRace } from './s3-refund-race';
import { wechatFaults } from './s4-wechat-faults';
import { crash } from './s5-crash';
import { badInput } from './s6-bad-input';
import { auth } from './s7-auth';
import { throughput } from './s8-throughput';
import { hostileEdges } from './s9-hostile-edges';

export const SCENARIOS: Scenario[] = [
  notificationStorm,
  forgery,
  refundRace,
  wechatFaults,
  crash,
  badInput,
  auth,
  throughput,
  hostileEdges,
].sort((a, b) => a.id - b.id);

/** The scenarios of the short version inside `npm test`. */
export const SHORT_IDS = [1, 2, 3, 6, 7];
