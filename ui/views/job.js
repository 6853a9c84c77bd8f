// One job (#job?id=<id>): its header (id, type, status, attempts, trace id), its payload, result,
// last error, checkpoint and progress, its timeline (every status change, oldest first) and its
// recorded errors, all from api/jobs/:id/timeline and patched in place on each live update.
// Replay (a dead or cancelled job) and Cancel (one not finished) go through api/commands.
import { get, post } from '../api.js';
import { h, notice, patchRows, setText, time } from '../dom.js';

/** The statuses each command is legal from (the job machine's REPLAY and CANCEL). */
const replayable = new Set(['dead', 'cancelled']);
const cancellable = new Set(['scheduled', 'queued', 'claimed', 'running', 'retrying']);

/** JSON as the page shows it: indented, or '' for none. */
const json = (value) =>
  value === null || value === undefined ? '' : JSON.stringify(value, null, 2);

/** A table with its header cells and its tbody (`id`). */
function table(id, headings) {
  const body = h('tbody', { id });
  const element = h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((t) => h('th', {}, t)),
      ),
    ),
    body,
  );
  return { element, body };
}

/** A labelled <pre> block (`data-field`), hidden while it has nothing to show. */
function block(field, label) {
  const pre = h('pre', { 'data-field': field });
  const section = h(
    'section',
    { class: 'job-block', 'data-block': field },
    h('h2', {}, label),
    pre,
  );
  return {
    section,
    set(text) {
      section.hidden = text === '';
      setText(pre, text);
    },
  };
}

export default {
  name: 'job',
  title: 'Job',
  mount(root, params, ctx) {
    const id = params.get('id') ?? '';
    const lookup = h('input', { name: 'id', autocomplete: 'off', value: id, size: 10 });
    const form = h(
      'form',
      { id: 'job-lookup' },
      h('label', {}, 'Job id ', lookup),
      h('button', { type: 'submit' }, 'Open'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      ctx.navigate('job', { id: lookup.value.trim() });
    });
    const title = h('h2', { id: 'job-title' }, id ? 'Job ' + id : 'Job');
    const fields = {};
    const header = h('dl', {
      id: 'job-header',
      class: 'job-header',
      style: 'display:grid;grid-template-columns:max-content 1fr;gap:0.15rem 1rem;margin:0',
    });
    for (const [name, label] of [
      ['type', 'Type'],
      ['status', 'Status'],
      ['attempts', 'Attempts'],
      ['trace', 'Trace id'],
      ['updated', 'Updated (UTC)'],
    ]) {
      fields[name] = h('dd', { 'data-field': name, style: 'margin:0' });
      header.append(h('dt', { class: 'muted' }, label), fields[name]);
    }
    const message = h('div', { class: 'notice', hidden: true }); // why the job cannot be read
    const outcome = h('div', { id: 'job-outcome', class: 'notice', hidden: true }); // a command's
    const replay = h('button', { id: 'job-replay', type: 'button', hidden: true }, 'Replay');
    const cancel = h('button', { id: 'job-cancel', type: 'button', hidden: true }, 'Cancel');
    // The job machine's chart with this job's state lit, and the other jobs of its type.
    const chart = h(
      'a',
      { id: 'job-chart', href: '#charts?job=' + encodeURIComponent(id) },
      'State chart',
    );
    const same = h('a', { id: 'job-type-link' }, 'Jobs of this type');
    const actions = h('p', { class: 'actions' }, replay, ' ', cancel, ' ', chart, ' · ', same);
    const blocks = {
      progress: block('progress', 'Progress'),
      payload: block('payload', 'Payload'),
      result: block('result', 'Result'),
      error: block('error', 'Last error'),
      checkpoint: block('checkpoint', 'Checkpoint'),
    };
    const timeline = table('job-timeline', ['Time (UTC)', 'Change', 'Event', 'Attempt', 'Error']);
    const errors = table('job-errors', ['Time (UTC)', 'Kind', 'Attempt', 'Error', 'Span']);
    const errorsSection = h(
      'section',
      { id: 'job-errors-section' },
      h('h2', {}, 'Errors'),
      h('div', { class: 'scroll' }, errors.element),
    );
    // What only a job that was read has: hidden while there is none.
    const details = h(
      'div',
      { id: 'job-details', hidden: true },
      ...Object.values(blocks).map((b) => b.section),
      h('h2', {}, 'Timeline'),
      h('div', { class: 'scroll' }, timeline.element),
      errorsSection,
    );
    root.append(form, title, header, actions, outcome, message, details);

    let status = null;
    const command = async (kind, button) => {
      button.disabled = true;
      try {
        const done = await post('api/commands', { kind, target: id });
        notice(outcome, kind + ': job ' + id + ' is ' + (done.result?.job?.status ?? 'changed'));
      } catch (error) {
        notice(outcome, kind + ': ' + error.message, 'error');
      } finally {
        button.disabled = false;
        ctx.refresh();
      }
    };
    replay.addEventListener('click', () => command('job.replay', replay));
    cancel.addEventListener('click', () => command('job.cancel', cancel));

    return {
      async update() {
        const found = (yes) => {
          details.hidden = !yes;
          header.hidden = !yes;
          actions.hidden = !yes;
        };
        if (!/^[1-9]\d{0,14}$/.test(id)) {
          found(false);
          if (id) notice(message, 'Not a job id: ' + id, 'error');
          else notice(message, 'Give a job id, or open a job from a list.');
          return;
        }
        let answer;
        try {
          answer = await get('api/jobs/' + encodeURIComponent(id) + '/timeline');
        } catch (error) {
          // The server out of reach is the connection indicator's to say; the job shown stays.
          if (error instanceof TypeError) throw error;
          found(false);
          notice(message, error.message, 'error');
          return;
        }
        notice(message, null);
        found(true);
        const { job } = answer;
        status = job.status;
        root.dataset.status = status; // for tests and styles: the job's status now
        setText(fields.type, job.type);
        same.href = '#jobs?type=' + encodeURIComponent(job.type);
        setText(fields.status, job.status);
        fields.status.dataset.status = job.status;
        setText(fields.attempts, answer.attempts.made + '/' + answer.attempts.max);
        setText(fields.trace, answer.traceId ?? '');
        setText(fields.updated, time(job.updatedAt));
        replay.hidden = !replayable.has(status);
        cancel.hidden = !cancellable.has(status);
        const progress = answer.progress;
        blocks.progress.set(
          progress
            ? progress.done +
                (progress.total == null ? '' : ' / ' + progress.total) +
                (progress.at ? '  (' + time(progress.at) + ')' : '')
            : '',
        );
        blocks.payload.set(json(answer.payload));
        blocks.result.set(json(answer.result));
        blocks.error.set(
          // A stack begins with the name and message already.
          answer.lastError
            ? (answer.lastError.stack ?? answer.lastError.name + ': ' + answer.lastError.message)
            : '',
        );
        blocks.checkpoint.set(json(answer.checkpoint));
        patchRows(
          timeline.body,
          answer.timeline.map((entry, index) => ({ ...entry, index })),
          (entry) => entry.index, // the timeline only grows: a row per place in it
          (entry) => [
            time(entry.at),
            (entry.from ?? '∅') + ' → ' + entry.to,
            entry.event,
            String(entry.attempt),
            entry.error ? entry.error.message : '',
          ],
          (row, entry) => {
            row.dataset.to = entry.to;
            row.lastChild.className = 'error';
          },
        );
        errorsSection.hidden = answer.errors.length === 0;
        patchRows(
          errors.body,
          answer.errors,
          (event) => event.id,
          (event) => [
            time(event.at),
            event.kind,
            event.attempt == null ? '' : String(event.attempt),
            event.error ? event.error.message : '',
            event.spanId ?? '',
          ],
          (row, event) => {
            row.dataset.id = event.id;
            row.children[3].className = 'error';
          },
        );
      },
    };
  },
};
