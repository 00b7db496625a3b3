/** Line icons drawn with the text colour (no icon font, no emoji font needed). */
function Icon({ d, size = 20 }: { d: string; size?: number }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={size}
      height={size}
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={d} />
    </svg>
  );
}

export const InboxIcon = ({ size }: { size?: number }) => (
  <Icon
    size={size}
    d="M22 12h-6l-2 3h-4l-2-3H2M5.5 5.1 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1Z"
  />
);
export const SunIcon = () => (
  <Icon d="M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10ZM12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4" />
);
export const MoonIcon = () => <Icon d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8Z" />;
export const AutoIcon = () => <Icon d="M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18ZM12 3v18" />;
export const SearchIcon = () => <Icon size={18} d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16ZM21 21l-4.3-4.3" />;
export const WrenchIcon = () => (
  <Icon d="M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.8-3.8a6 6 0 0 1-7.9 7.9l-6.9 6.9a2.1 2.1 0 0 1-3-3l6.9-6.9a6 6 0 0 1 7.9-7.9l-3.8 3.8Z" />
);
export const BackIcon = () => <Icon d="M19 12H5M12 19l-7-7 7-7" />;
export const CloseIcon = () => <Icon d="M18 6 6 18M6 6l12 12" />;
export const CheckIcon = () => <Icon size={18} d="M20 6 9 17l-5-5" />;
export const ClockIcon = () => <Icon size={18} d="M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20ZM12 6v6l4 2" />;
export const ReopenIcon = () => <Icon size={18} d="M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5" />;
