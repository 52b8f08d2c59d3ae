// Loading, empty and error states with an optional retry, shared by every page.
// The page's own content shows when `state` is "ready" (this component renders nothing then).
import { messages } from '../../services/i18n';

export type ViewState = 'loading' | 'empty' | 'error' | 'ready';

Component({
  properties: {
    state: { type: String, value: 'loading' },
    /** Text for the empty or error state. */
    message: { type: String, value: '' },
    /** Shows the retry button in the error state. */
    retry: { type: Boolean, value: true },
  },
  data: {
    loadingText: '',
    retryText: '',
  },
  lifetimes: {
    attached() {
      const t = messages();
      this.setData({ loadingText: t.common.loading, retryText: t.common.retry });
    },
  },
  methods: {
    onRetry() {
      if (this.data.state !== 'error') return;
      this.triggerEvent('retry');
    },
  },
});
