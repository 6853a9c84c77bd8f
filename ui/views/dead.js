// Dead letters (#dead?type=<type>): the dead jobs, filtered by type, paged by cursor ("More"),
// rows patched in place. Each row replays its job (a `job.replay` command through api/commands);
// "Replay all" replays every dead job of the type filtered on (or of every type) through
// api/dead/replay. The owner carries each replay out; the row leaves the list once it has.
import { post } from '../api.js';
import { h, notice, patchRows, time } from '../dom.js';
import { jobLink, readPages } from '../pages.js';

/** "n job(s)". */
const jobs = (n) => n + (n === 1 ? ' job' : ' jobs');

export default {
  name: 'dead',
  title: 'Dead letters',
  mount(root, params, ctx) {
    const type = h('input', { name: 'type', autocomplete: 'off', value: params.get('type') ?? '' });
    const form = h(
      'form',
      { id: 'dead-filters' },
      h('label', {}, 'Type ', type),
      h('button', { type: 'submit' }, 'Filter'),
    );
    const replayAll = h('button', { id: 'replay-all', type: 'button' }, 'Replay all');
    const message = h('div', { id: 'dead-notice', class: 'notice', hidden: true });
    const body = h('tbody', { id: 'dead' });
    const empty = h('p', { id: 'dead-empty', class: 'muted', hidden: true }, 'No dead jobs.');
    const list = h(
      'div',
      { id: 'dead-list', class: 'scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['ID', 'Type', 'Attempts', 'Died (UTC)', 'Last error', ''].map((t) => h('th', {}, t)),
          ),
        ),
        body,
      ),
    );
    const more = h('button', { id: 'dead-more', hidden: true }, 'More');
    root.append(form, h('p', { class: 'actions' }, replayAll), message, list, empty, more);

    let filter = type.value.trim();
    let pages = 1;
    let replaying = false; // a Replay all in flight: its button stays disabled through updates
    const label = () => {
      replayAll.textContent = filter ? 'Replay all of type ' + filter : 'Replay all';
    };
    label();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      filter = type.value.trim();
      pages = 1;
      label();
      ctx.refresh();
    });
    more.addEventListener('click', () => {
      pages += 1;
      ctx.refresh();
    });

    const replayOne = async (button) => {
      const id = button.dataset.replay;
      button.disabled = true;
      try {
        const done = await post('api/commands', { kind: 'job.replay', target: id });
        notice(message, 'Job ' + id + ' replayed: ' + (done.result?.job?.status ?? 'queued'));
      } catch (error) {
        button.disabled = false;
        notice(message, 'Job ' + id + ': ' + error.message, 'error');
      }
      ctx.refresh();
    };
    body.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-replay]');
      if (button) replayOne(button);
    });
    replayAll.addEventListener('click', async () => {
      const which = filter ? 'every dead job of type ' + filter : 'every dead job of every type';
      if (!window.confirm('Replay ' + which + '?')) return;
      replaying = true;
      replayAll.disabled = true;
      notice(
        message,
        'Replaying' + (filter ? ' the dead ' + filter + ' jobs' : ' every dead job') + '…',
      );
      try {
        const result = await post('api/dead/replay', filter ? { type: filter } : {});
        const failed = result.failed.length
          ? '; refused: ' +
            result.failed.map((f) => f.jobId + ' (' + f.error.message + ')').join(', ')
          : '';
        notice(
          message,
          'Replayed ' +
            result.replayed +
            ' of ' +
            jobs(result.total) +
            ' (via ' +
            result.via +
            ')' +
            failed,
          result.failed.length ? 'error' : 'info',
        );
      } catch (error) {
        notice(message, 'Replay all: ' + error.message, 'error');
      } finally {
        replaying = false;
        replayAll.disabled = false;
        ctx.refresh();
      }
    });

    const cells = (job) => [
      jobLink(h, job.id),
      job.type,
      job.attempt + '/' + job.maxAttempts,
      time(job.finishedAt ?? job.updatedAt),
      job.error ? job.error.message : '',
      h('button', { type: 'button', 'data-replay': job.id }, 'Replay'),
    ];
    return {
      async update() {
        const { jobs: found, next } = await readPages({ status: 'dead', type: filter }, pages);
        patchRows(
          body,
          found,
          (job) => job.id,
          cells,
          (row, job) => {
            row.dataset.id = job.id;
            row.dataset.status = job.status;
            row.dataset.type = job.type;
            row.children[4].className = 'error';
          },
        );
        empty.hidden = found.length > 0;
        replayAll.disabled = replaying || found.length === 0;
        more.hidden = !next;
      },
    };
  },
};
