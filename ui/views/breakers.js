// The circuit breakers: a table of every breaker (from api/breaker-states) patched in place, and
// the selected one's state changes (#breakers?name=<name>, from api/breakers/<name>), newest
// first, the older ones read a page at a time with "Older".
import { get, query } from '../api.js';
import { h, notice, patchRows, setText, time } from '../dom.js';
import { scrollTable } from './parts.js';

const pageSize = 50;

/** A breaker's state as a cell: its text, marked for styling and tests. */
const stateCell = (state) => h('span', { class: 'state', 'data-state': state }, state);

/** A change's cause, short: the trip rule and counts, a trial's verdict or a hand action. */
function causeText(cause) {
  if (cause === null || cause === undefined) return '';
  const text = typeof cause === 'string' ? cause : JSON.stringify(cause);
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}

export default {
  name: 'breakers',
  title: 'Breakers',
  mount(root, params) {
    const selected = params.get('name');
    const message = h('div', { id: 'breakers-notice', class: 'notice', hidden: true });
    const published = h('p', { id: 'breakers-published', class: 'muted' });
    const body = h('tbody', { id: 'breakers' });
    const list = scrollTable(
      ['Name', 'State', 'Failures', 'Opened at (UTC)', 'Next half-open (UTC)', 'Changed (UTC)'],
      body,
    );
    root.append(message, published, list);

    // The selected breaker's history: the newest page read on every update, older pages kept.
    const history = h('tbody', { id: 'breaker-history' });
    const now = h('p', { id: 'breaker-now', class: 'muted' });
    const older = h('button', { id: 'breaker-older', type: 'button', hidden: true }, 'Older');
    let kept = []; // older pages, newest first
    const known = new Map(); // id -> change: what was shown, once older pages were read
    let next = null; // the cursor below what is shown
    if (selected) {
      root.append(
        h(
          'section',
          { id: 'breaker', 'data-name': selected },
          h('h2', {}, 'History of ' + selected),
          now,
          scrollTable(['At (UTC)', 'From', 'To', 'Open until (UTC)', 'Cause'], history),
          older,
        ),
      );
    }

    const base = selected ? 'api/breakers/' + encodeURIComponent(selected) : null;
    const showHistory = (changes) =>
      patchRows(
        history,
        changes,
        (change) => change.id,
        (change) => [
          time(change.at),
          change.from ?? '',
          stateCell(change.to),
          time(change.openUntil),
          causeText(change.cause),
        ],
        (row, change) => {
          row.dataset.to = change.to;
          row.lastChild.className = 'wrap'; // a cause is long: it wraps
        },
      );
    let newest = [];
    older.addEventListener('click', async () => {
      if (next === null) return;
      try {
        const page = await get(base + query({ limit: pageSize, before: next }));
        kept = kept.concat(page.history);
        for (const change of newest.concat(page.history)) known.set(change.id, change);
        next = page.next;
        older.hidden = next === null;
        showHistory(merged());
      } catch (error) {
        notice(message, error.message, 'error');
      }
    });
    /** The newest page, and once older pages were read every change seen since: newest first. */
    const merged = () => {
      if (kept.length === 0) return newest;
      for (const change of newest) known.set(change.id, change);
      return [...known.values()].sort((a, b) => b.id - a.id);
    };

    return {
      async update() {
        const { at, breakers } = await get('api/breaker-states');
        setText(
          published,
          at === null ? 'No breakers snapshot published' : 'Snapshot of ' + time(at) + ' UTC',
        );
        patchRows(
          body,
          breakers,
          (breaker) => breaker.name,
          (breaker) => [
            h('a', { href: '#breakers?name=' + encodeURIComponent(breaker.name) }, breaker.name),
            stateCell(breaker.state),
            breaker.failures ?? '',
            time(breaker.openedAt),
            time(breaker.openUntil),
            time(breaker.changedAt),
          ],
          (row, breaker) => {
            row.dataset.state = breaker.state;
            row.classList.toggle('selected', breaker.name === selected);
          },
        );
        if (!base) {
          notice(message, breakers.length === 0 ? 'No breakers yet' : null);
          return;
        }
        let detail;
        try {
          detail = await get(base + query({ limit: pageSize }));
        } catch (error) {
          notice(message, selected + ': ' + error.message, 'error');
          return;
        }
        notice(message, null);
        const { breaker } = detail;
        const opens = breaker.opens === 1 ? 'opened once' : 'opened ' + breaker.opens + ' times';
        setText(
          now,
          breaker.state +
            (breaker.openUntil ? ', half-opens at ' + time(breaker.openUntil) + ' UTC' : '') +
            '; ' +
            opens +
            ' since it last closed',
        );
        newest = detail.history;
        if (kept.length === 0) {
          next = detail.next;
          older.hidden = next === null;
        }
        showHistory(merged());
      },
    };
  },
};
