// The live channel: one EventSource on api/events. A lost connection is retried with exponential
// backoff and jitter; after 5 failures in a row the page also polls every 2 s while it keeps
// trying. The indicator (#connection, data-state live | polling | down) says which.
import { withToken } from './api.js';

const failuresBeforePolling = 5;
const pollMs = 2000;

/** Starts the channel; `update()` (returns a promise of true when it could read) runs on each change. */
export function connectLive(indicator, update) {
  let failures = 0;
  let poller = null;
  let polled = false; // whether the last poll was answered
  const set = (state, text) => {
    indicator.dataset.state = state;
    indicator.textContent = text;
  };
  const stopPolling = () => {
    if (poller) clearInterval(poller);
    poller = null;
    polled = false;
  };
  const connect = () => {
    const source = new EventSource(withToken('api/events'));
    source.onopen = () => {
      failures = 0;
      stopPolling();
      set('live', 'live');
      update();
    };
    source.addEventListener('change', () => update());
    source.onerror = () => {
      source.close();
      failures += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(failures, 6)) * (0.8 + Math.random() * 0.4);
      if (failures >= failuresBeforePolling && !poller) {
        poller = setInterval(() => {
          update().then((ok) => {
            polled = ok;
            if (ok && indicator.dataset.state !== 'live') set('polling', 'polling');
          });
        }, pollMs);
      }
      // Amber only while polls are answered: with the server gone too, it is red.
      if (poller && polled) set('polling', 'polling');
      else set('down', 'reconnecting');
      setTimeout(connect, delay);
    };
  };
  connect();
  return { down: () => set('down', 'disconnected') };
}
