import type { IconName } from './icons';

/** One entry of a MenuButton. */
export interface MenuItem {
  id: string;
  label: string;
  icon?: IconName;
  hint?: string;
  danger?: boolean;
  separatorBefore?: boolean;
}
