/* How the map page words and colours a venue. */

/** Same thresholds as the legend: green >= 75, amber 50-74, red < 50. */
export function scoreClass(score) {
  return score >= 75 ? "good" : score >= 50 ? "fair" : "poor";
}
export const COLOURS = { good: "#1b7f3b", fair: "#e08a00", poor: "#c62828" };

export function kindLabel(kind) {
  const text = String(kind || "place").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What to call a venue: its label (its name and kind, or where it lies). */
export function nameOf(props) {
  return props.label;
}

export function formatDistance(m) {
  if (m === null || m === undefined || isNaN(m)) return "";
  if (m < 1) return "you are there";
  if (m < 1000) return Math.round(m) + " m away";
  if (m < 10000) return (m / 1000).toFixed(1) + " km away";
  return Math.round(m / 1000).toLocaleString("en") + " km away";
}

/** How much of a score rests on evidence rather than guesses by the kind of place. */
export function confidenceText(confidence) {
  if (confidence >= 80) return "measured or mapped, hardly any guesses";
  if (confidence >= 50) return "partly guessed";
  return "mostly guesses by the kind of place";
}
