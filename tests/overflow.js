() => {
  // Elements that stick out of the viewport's width: charts, images, tables, graphs,
  // formulas, and the main area itself. Hidden elements (display: none) have no box.
  const vw = document.documentElement.clientWidth;
  const scroller = (box, el) => {
    if (box.tagName !== 'TABLE') return box;
    for (let a = box.parentElement; a && a !== el.parentElement; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return a;
    }
    return box;
  };
  const kinds = ['stVegaLiteChart', 'stImage', 'stDataFrame', 'stTable', 'stGraphVizChart',
                 'stMarkdown', 'stMetric', 'stHorizontalBlock', 'stElementContainer'];
  const out = [];
  for (const kind of kinds) {
    for (const el of document.querySelectorAll(`[data-testid="${kind}"]`)) {
      if (el.closest('[data-testid="stSidebar"]')) continue;
      const boxes = [el, ...el.querySelectorAll('canvas, svg, img, .katex-display, table')];
      for (const box of boxes) {
        // A wide table inside a box that scrolls sideways (st.table's own wrapper) is
        // fine when that box fits: measure the box.
        const r = scroller(box, el).getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > vw + 1 || r.left < -1) {
          const keyed = el.closest('[class*="st-key-"]');
          const name = keyed ? [...keyed.classList].find(c => c.startsWith('st-key-')) : '';
          out.push(`${kind}${box === el ? '' : ' ' + box.tagName.toLowerCase()}` +
                   `${name ? ' in ' + name.slice(7) : ''}: ` +
                   `${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
          break;
        }
      }
    }
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) {
    out.push(`main area scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
  }
  return [...new Set(out)];
}
