// Small DOM helpers shared by the views: elements, times, and tables patched row by row.

/** An element with attributes (`class`, `data-*`, properties) and children (nodes or text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-')) element.setAttribute(key, value);
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element[key] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A time as `YYYY-MM-DD HH:MM:SS` (UTC), or '' for none. */
export function time(ms) {
  return ms == null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Sets an element's text only when it differs (no needless layout). */
export function setText(element, text) {
  const value = String(text ?? '');
  if (element.textContent !== value) element.textContent = value;
}

/**
 * Patches `body` (a tbody) to show `items` in order: a row per key, kept when it exists, its cells
 * changed only where their text differs; rows of keys no longer there removed. `cells(item)` gives
 * each cell's text (or a Node, replaced only when the text differs); `decorate(row, item)` sets
 * what else a row carries (data attributes).
 */
export function patchRows(body, items, key, cells, decorate) {
  const seen = new Set();
  let previous = null;
  for (const item of items) {
    const id = String(key(item));
    seen.add(id);
    let row = body.querySelector('tr[data-key="' + CSS.escape(id) + '"]');
    const values = cells(item);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.key = id;
      for (let i = 0; i < values.length; i++) row.append(document.createElement('td'));
    }
    values.forEach((value, i) => {
      const cell = row.children[i];
      if (value instanceof Node) {
        if (cell.textContent !== value.textContent || cell.childNodes.length === 0)
          cell.replaceChildren(value);
      } else {
        setText(cell, value);
      }
    });
    if (decorate) decorate(row, item);
    const next = previous ? previous.nextSibling : body.firstChild;
    if (next !== row) body.insertBefore(row, next);
    previous = row;
  }
  for (const row of [...body.children]) if (!seen.has(row.dataset.key)) row.remove();
}

/** Shows a message in `element` (a `.notice`), or hides it for none. */
export function notice(element, message, kind = 'info') {
  element.hidden = !message;
  element.dataset.kind = kind;
  setText(element, message ?? '');
}
