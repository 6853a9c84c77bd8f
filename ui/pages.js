// Cursor paging shared by the lists: the first `pages` pages of a list, read one after another.
import { get, query } from './api.js';

/**
 * The jobs of the first `pages` pages of `api/jobs` under `filter` (100 a page), the cursor after
 * them (null at the end) and the last page read (a search's `scanned` is on it).
 */
export async function readPages(filter, pages) {
  const jobs = [];
  let after = null;
  let page = null;
  for (let i = 0; i < pages; i++) {
    page = await get('api/jobs' + query({ ...filter, limit: 100, after }));
    jobs.push(...page.jobs);
    after = page.nextCursor;
    if (!after) break;
  }
  return { jobs, next: after, last: page };
}

/** A job id as a link to its page. */
export function jobLink(h, id) {
  return h('a', { href: '#job?id=' + encodeURIComponent(id) }, id);
}
