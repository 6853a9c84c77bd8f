// The jobs list: filters by status, type, id and text (payload and last error), cursor paging
// ("More"), rows patched in place, and bulk replay or cancel of everything the filter matches.
import { post, query } from '../api.js';
import { h, notice, patchRows, time } from '../dom.js';
import { jobLink, readPages } from '../pages.js';

/** A search reads up to 100,000 ids a page: live updates re-read it at most this often. */
const searchRefreshMs = 5000;

/** "status queued, type mail, text “x”": what a filter selects, for the confirmation. */
function describe(filter) {
  const parts = [];
  if (filter.status) parts.push('status ' + filter.status);
  if (filter.type) parts.push('type ' + filter.type);
  if (filter.q) parts.push('text “' + filter.q + '”');
  return parts.length ? parts.join(', ') : 'any filter';
}

export default {
  name: 'jobs',
  title: 'Jobs',
  mount(root, params, ctx) {
    const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'));
    for (const s of ctx.statuses) status.add(new Option(s, s));
    status.value = params.get('status') ?? '';
    const field = (name, size) =>
      h('input', { name, autocomplete: 'off', size, value: params.get(name) ?? '' });
    const type = field('type', 14);
    const id = field('id', 8);
    const q = field('q', 22);
    q.placeholder = 'in payload or error';
    const form = h(
      'form',
      { id: 'filters' },
      h('label', {}, 'Status ', status),
      h('label', {}, 'Type ', type),
      h('label', {}, 'ID ', id),
      h('label', {}, 'Text ', q),
      h('button', { type: 'submit' }, 'Filter'),
    );
    const replayAll = h('button', { id: 'bulk-replay', type: 'button' }, 'Replay matching');
    const cancelAll = h('button', { id: 'bulk-cancel', type: 'button' }, 'Cancel matching');
    const message = h('div', { id: 'jobs-notice', class: 'notice', hidden: true });
    const scanned = h('p', { id: 'scanned', class: 'muted', hidden: true });
    const body = h('tbody', { id: 'jobs' });
    const list = h(
      'div',
      { id: 'list', class: 'scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['ID', 'Type', 'Status', 'Attempt', 'Updated (UTC)', 'Last error'].map((t) =>
              h('th', {}, t),
            ),
          ),
        ),
        body,
      ),
    );
    const more = h('button', { id: 'more', hidden: true }, 'More');
    root.append(form, h('p', { class: 'actions' }, replayAll, cancelAll), message, scanned);
    root.append(list, more);

    const read = () => ({
      status: status.value,
      type: type.value.trim(),
      id: id.value.trim(),
      q: q.value.trim(),
    });
    // From the address as given: a status the select does not know is still asked for, and the
    // server's answer says what is wrong with it.
    let filter = { ...read(), status: params.get('status') ?? '' };
    let refused = null; // the filter the server refused: not asked again until it changes
    let pages = 1;
    let searchedAt = 0;
    const changed = () => {
      pages = 1;
      searchedAt = 0;
      // The address keeps the filter (a reload or a link shows the same list); no navigation.
      history.replaceState(null, '', '#jobs' + query(filter));
      ctx.refresh();
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      filter = read();
      changed();
    });
    more.addEventListener('click', () => {
      pages += 1;
      searchedAt = 0;
      ctx.refresh();
    });

    const bulk = async (action, button) => {
      const matching = { status: filter.status, type: filter.type, q: filter.q };
      const what = describe(matching);
      if (
        !window.confirm(
          (action === 'replay' ? 'Replay' : 'Cancel') + ' every job matching ' + what + '?',
        )
      )
        return;
      button.disabled = true;
      try {
        const body = { action };
        if (matching.status) body.status = matching.status.split(',');
        if (matching.type) body.type = matching.type;
        if (matching.q) body.q = matching.q;
        const result = await post('api/bulk', body);
        const failed = result.matched - result.done;
        notice(
          message,
          (action === 'replay' ? 'Replayed ' : 'Cancelled ') +
            result.done +
            ' of ' +
            result.matched +
            (failed ? ' (' + failed + ' refused)' : '') +
            (result.more ? '; more match: run it again for the next batch' : ''),
          failed ? 'error' : 'info',
        );
      } catch (error) {
        notice(message, error.message, 'error');
      } finally {
        button.disabled = false;
      }
      searchedAt = 0;
      ctx.refresh();
    };
    replayAll.addEventListener('click', () => bulk('replay', replayAll));
    cancelAll.addEventListener('click', () => bulk('cancel', cancelAll));

    const cells = (job) => [
      jobLink(h, job.id),
      job.type,
      job.status,
      job.attempt + '/' + job.maxAttempts,
      time(job.updatedAt),
      job.error ? job.error.message : '',
    ];
    return {
      async update() {
        if (filter.q) {
          // A search scans; a live change re-reads it only now and then.
          if (Date.now() - searchedAt < searchRefreshMs) return;
          searchedAt = Date.now();
        }
        if (refused === filter) return;
        let answer;
        try {
          answer = await readPages(filter, pages);
        } catch (error) {
          if (error instanceof TypeError) throw error; // out of reach: the indicator says so
          refused = filter;
          notice(message, error.message, 'error');
          patchRows(body, [], (job) => job.id, cells);
          more.hidden = true;
          scanned.hidden = true;
          return;
        }
        if (message.dataset.kind === 'error' && refused !== null) notice(message, null);
        refused = null;
        const { jobs, next, last } = answer;
        patchRows(
          body,
          jobs,
          (job) => job.id,
          cells,
          (row, job) => {
            row.dataset.id = job.id;
            row.dataset.status = job.status;
            row.lastChild.className = 'error';
          },
        );
        more.hidden = !next;
        const range = last?.scanned;
        scanned.hidden = !range;
        if (range) {
          scanned.textContent =
            'Searched ids up to ' +
            range.to.toLocaleString('en') +
            ' of ' +
            range.lastId.toLocaleString('en') +
            (next ? ' (More searches on)' : '');
        }
      },
    };
  },
};
