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

export const ChatIcon = ({ size }: { size?: number }) => <Icon size={size} d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12Z" />;
export const SunIcon = () => (
  <Icon d="M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10ZM12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4" />
);
export const MoonIcon = () => <Icon d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8Z" />;
export const AutoIcon = () => <Icon d="M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18ZM12 3v18" />;
export const SignOutIcon = () => <Icon d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />;
export const BackIcon = () => <Icon d="M19 12H5M12 19l-7-7 7-7" />;
export const CloseIcon = () => <Icon d="M18 6 6 18M6 6l12 12" />;
export const BellIcon = () => <Icon d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />;
