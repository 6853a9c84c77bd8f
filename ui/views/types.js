// Job types (#types): each type's jobs by status (from the kept counts) and whether it is paused,
// with Pause and Resume as `type.pause` / `type.resume` commands through api/commands. A paused
// type's queued jobs wait; its running jobs finish.
import { get, post } from '../api.js';
import { h, notice, patchRows, time } from '../dom.js';

export default {
  name: 'types',
  title: 'Types',
  mount(root, params, ctx) {
    const shown = ctx.statuses;
    const message = h('div', { id: 'types-notice', class: 'notice', hidden: true });
    const body = h('tbody', { id: 'types' });
    const header = ['Type', ...shown.map((s) => s[0].toUpperCase() + s.slice(1)), 'Paused', ''];
    root.append(
      message,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              header.map((t) => h('th', {}, t)),
            ),
          ),
          body,
        ),
      ),
    );

    const toggle = async (button) => {
      const { type, action } = button.dataset;
      button.disabled = true;
      try {
        const done = await post('api/commands', { kind: 'type.' + action, target: type });
        const state = done.result.paused ? 'paused' : 'resumed';
        notice(
          message,
          'Type ' + type + ' ' + (done.result.changed ? state : 'was already ' + state),
        );
      } catch (error) {
        notice(message, 'Type ' + type + ': ' + error.message, 'error');
      } finally {
        button.disabled = false;
      }
      ctx.refresh();
    };
    body.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (button) toggle(button);
    });

    const action = (entry) =>
      h(
        'button',
        {
          type: 'button',
          'data-type': entry.type,
          'data-action': entry.paused ? 'resume' : 'pause',
        },
        entry.paused ? 'Resume' : 'Pause',
      );
    const cells = (entry) => [
      h('a', { href: '#jobs?type=' + encodeURIComponent(entry.type) }, entry.type),
      ...shown.map((s) => String(entry.counts[s] ?? 0)),
      entry.paused ? time(entry.paused.pausedAt) + ' by ' + entry.paused.pausedBy : '',
      action(entry),
    ];
    return {
      async update() {
        const { types } = await get('api/types');
        patchRows(
          body,
          types,
          (entry) => entry.type,
          cells,
          (row, entry) => {
            row.dataset.type = entry.type;
            row.dataset.paused = entry.paused ? 'yes' : 'no';
          },
        );
      },
    };
  },
};
