/* DOM helpers every page script uses. Text built from data goes through el() (textContent),
 * never innerHTML: OSM names and reports are free text. */

export function $(id) { return document.getElementById(id); }

/** An element with an optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** The page's JSON block #id (how the server hands a script its data), or null. */
export function readJSON(id) {
  const node = $(id);
  return node ? JSON.parse(node.textContent) : null;
}
