// Signs the customer in as soon as the Mini Program starts, so the first page's requests find a token.
// Pages do not depend on it: every authenticated request logs in by itself when needed.
import { getToken } from './services/session';

App({
  onLaunch() {
    getToken().catch(() => {
      // Shown by the first page that needs the session; nothing to do here.
    });
  },
});
