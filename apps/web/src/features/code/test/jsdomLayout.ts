/**
 * jsdom has no layout: CodeMirror measures text ranges after scrolling the cursor into view.
 * Empty rectangles are enough for tests that look at the document and the DOM, not at pixels.
 */
const noRects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
Range.prototype.getClientRects ??= noRects;
Range.prototype.getBoundingClientRect ??= () => new DOMRect();
