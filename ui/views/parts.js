// Pieces the Breakers, Pools and Monitor views share: a scrolling table with its header row, and
// a vendored library's global, loaded once by adding its <script>.

import { h } from '../dom.js';

/** A `.scroll` box with a table of `headers` over `body` (a tbody the view patches). */
export function scrollTable(headers, body) {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', {}, label)))),
      body,
    ),
  );
}

const loading = new Map(); // src -> Promise of the global

/** The global `name` that the script at `src` defines, loaded once (tried again after a failure). */
export function scriptGlobal(src, name) {
  let found = loading.get(src);
  if (!found) {
    found = new Promise((resolve, reject) => {
      if (window[name]) return resolve(window[name]);
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve(window[name]);
      script.onerror = () => reject(new Error(src + ' could not be loaded'));
      document.head.append(script);
    });
    found.catch(() => loading.delete(src));
    loading.set(src, found);
  }
  return found;
}
