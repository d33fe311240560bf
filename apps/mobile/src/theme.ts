/** The seed's palette: blue for Create and one's own bubbles, green for Join, grey for the others'. */
export const colors = {
  blue: '#2563eb',
  blueDark: '#1d4ed8',
  green: '#16a34a',
  greenDark: '#15803d',
  bubbleGrey: '#e5e7eb',
  text: '#0f172a',
  muted: '#64748b',
  line: '#e2e8f0',
  field: '#f8fafc',
  danger: '#b91c1c',
  warnBg: '#fef3c7',
  warnText: '#92400e',
  white: '#ffffff',
} as const;

/** 48 dp: the smallest comfortable touch target (Material) and above Apple's 44 pt. */
export const TOUCH = 48;
