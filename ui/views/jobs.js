// The jobs list: filters by status and type, cursor paging ("More"), rows patched in place.
import { get, query } from '../api.js';
import { h, patchRows, time } from '../dom.js';

export default {
  name: 'jobs',
  title: 'Jobs',
  mount(root, params, ctx) {
    const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'));
    for (const s of ctx.statuses) status.add(new Option(s, s));
    status.value = params.get('status') ?? '';
    const type = h('input', { name: 'type', autocomplete: 'off', value: params.get('type') ?? '' });
    const form = h(
      'form',
      { id: 'filters' },
      h('label', {}, 'Status ', status),
      h('label', {}, 'Type ', type),
      h('button', { type: 'submit' }, 'Filter'),
    );
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
    root.append(form, list, more);

    let filter = { status: status.value, type: type.value.trim() };
    let pages = 1;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      filter = { status: status.value, type: type.value.trim() };
      pages = 1;
      ctx.refresh();
    });
    more.addEventListener('click', () => {
      pages += 1;
      ctx.refresh();
    });

    const cells = (job) => [
      job.id,
      job.type,
      job.status,
      job.attempt + '/' + job.maxAttempts,
      time(job.updatedAt),
      job.error ? job.error.message : '',
    ];
    return {
      async update() {
        const jobs = [];
        let after = null;
        let next = null;
        for (let i = 0; i < pages; i++) {
          const page = await get('api/jobs' + query({ ...filter, limit: 100, after }));
          jobs.push(...page.jobs);
          next = page.nextCursor;
          if (!next) break;
          after = next;
        }
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
      },
    };
  },
};
