// The navigation's icons: plain strokes that follow the text colour, hidden from screen readers
// (the label says it all).
const svg = {
  viewBox: "0 0 24 24",
  width: 20,
  height: 20,
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.8,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
};

export function ComposeIcon() {
  return (
    <svg {...svg}>
      <path d="M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16v4Z" />
      <path d="m13.5 6.5 4 4" />
    </svg>
  );
}

export function MessagesIcon() {
  return (
    <svg {...svg}>
      <path d="M4 5h16v11H8l-4 4V5Z" />
      <path d="M8 9h8M8 12h5" />
    </svg>
  );
}

export function AttentionIcon() {
  return (
    <svg {...svg}>
      <path d="M12 3 2.5 20h19L12 3Z" />
      <path d="M12 10v4M12 17h.01" />
    </svg>
  );
}

export function InboxIcon() {
  return (
    <svg {...svg}>
      <path d="M4 13h4l1.5 3h5L16 13h4" />
      <path d="M6 5h12l2 8v6H4v-6l2-8Z" />
    </svg>
  );
}

export function SettingsIcon() {
  return (
    <svg {...svg}>
      <circle cx="12" cy="12" r="3" />
      <path d="M19 12a7 7 0 0 0-.1-1.2l2-1.6-2-3.4-2.4 1a7 7 0 0 0-2-1.2L14 3h-4l-.5 2.6a7 7 0 0 0-2 1.2l-2.4-1-2 3.4 2 1.6a7 7 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-1a7 7 0 0 0 2 1.2L10 21h4l.5-2.6a7 7 0 0 0 2-1.2l2.4 1 2-3.4-2-1.6c.1-.4.1-.8.1-1.2Z" />
    </svg>
  );
}

export function CollapseIcon({ collapsed }: { collapsed: boolean }) {
  // Points toward the content when open (to fold the bar away), away from it when folded.
  return (
    <svg {...svg} style={{ transform: collapsed ? "scaleX(-1)" : undefined }} className="wasel-flip-rtl">
      <path d="M4 4v16" />
      <path d="m14 8-4 4 4 4" />
      <path d="M10 12h10" />
    </svg>
  );
}

export function UsersIcon() {
  return (
    <svg {...svg}>
      <circle cx="9" cy="8" r="3.2" />
      <path d="M3 19a6 6 0 0 1 12 0" />
      <path d="M16 5.2a3 3 0 0 1 0 5.6M18 14.5a5.5 5.5 0 0 1 3 4.5" />
    </svg>
  );
}

export function AuditIcon() {
  return (
    <svg {...svg}>
      <path d="M7 3h8l4 4v14H7V3Z" />
      <path d="M15 3v4h4M10 12h6M10 16h4" />
      <path d="M4 7v14h3" />
    </svg>
  );
}

export function ContactsIcon() {
  return (
    <svg {...svg}>
      <path d="M6 3h12a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H6V3Z" />
      <circle cx="12.5" cy="10" r="2.5" />
      <path d="M9 16.5a3.5 3.5 0 0 1 7 0" />
      <path d="M4 7h2M4 12h2M4 17h2" />
    </svg>
  );
}
