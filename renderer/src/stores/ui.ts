/**
 * What belongs to the window and not to the lab: theme, language, the engine new
 * nodes get, toasts, the dialog on screen, the inspected node and the undo stack
 * of layout moves.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { EngineKind, Position } from '@api/topology';

export type Theme = 'light' | 'dark';
export type Locale = 'en' | 'zh-CN';

export interface Toast {
  id: number;
  level: 'info' | 'success' | 'warning' | 'error';
  message: string;
  title?: string;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  resolve(answer: boolean): void;
}

export type DialogName = 'attach' | 'import' | 'choose-master' | 'shortcuts' | 'open-path';

/** Where a Replica was dropped on empty canvas (none: it was added with a click). */
export interface PendingReplicaDrop {
  position?: Position;
}

const STORAGE = { theme: 'replica-lab.theme', locale: 'replica-lab.locale', engine: 'replica-lab.engine' };

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    return allowed.includes(value as T) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private windows may refuse storage: the choice then lasts for this session only
  }
}

function preferredTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function preferredLocale(): Locale {
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const useUiStore = defineStore('ui', () => {
  const query = new URLSearchParams(location.search);
  const theme = ref<Theme>(
    (query.get('theme') as Theme | null) ?? stored(STORAGE.theme, ['light', 'dark'] as const, preferredTheme()),
  );
  const locale = ref<Locale>(
    (query.get('lang') as Locale | null) ?? stored(STORAGE.locale, ['en', 'zh-CN'] as const, preferredLocale()),
  );
  const engine = ref<Exclude<EngineKind, 'remote'>>(
    stored(STORAGE.engine, ['builtin', 'redis-server', 'valkey-server'] as const, 'builtin'),
  );
  const toasts = ref<Toast[]>([]);
  const confirmRequest = shallowRef<ConfirmRequest>();
  const dialog = ref<DialogName>();
  const replicaDrop = ref<PendingReplicaDrop>();
  const selectedNodeId = ref<string>();
  /** The card a dragged Replica is over: it lights up as the master-to-be. */
  const replicaDropTarget = ref<string>();
  /** What is being dragged from the palette (dragover events cannot read the payload). */
  const paletteDrag = ref<'master' | 'replica'>();
  /** When the user last placed a node by hand: the view then stays where they put it. */
  const placedByHandAt = ref(0);
  const logOpen = ref(true);
  /** Each entry: the positions to go back to, for one drag or one auto-layout. */
  const undoStack = ref<Array<Array<{ id: string; position: Position }>>>([]);
  let toastSeq = 0;

  watch(
    theme,
    (value) => {
      // Switch in one frame: without this every button fades between the two palettes.
      const root = document.documentElement;
      root.classList.add('theme-switching');
      root.dataset['theme'] = value;
      requestAnimationFrame(() => requestAnimationFrame(() => root.classList.remove('theme-switching')));
      remember(STORAGE.theme, value);
    },
    { immediate: true },
  );
  watch(locale, (value) => remember(STORAGE.locale, value));
  watch(engine, (value) => remember(STORAGE.engine, value));

  function toast(level: Toast['level'], message: string, title?: string): void {
    const id = ++toastSeq;
    toasts.value = [...toasts.value.slice(-4), { id, level, message, title }];
    const lifetime = level === 'error' ? 9000 : level === 'warning' ? 7000 : 4000;
    setTimeout(() => dismiss(id), lifetime);
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((item) => item.id !== id);
  }

  function confirm(request: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
    confirmRequest.value?.resolve(false);
    return new Promise((resolve) => {
      confirmRequest.value = {
        ...request,
        resolve: (answer) => {
          confirmRequest.value = undefined;
          resolve(answer);
        },
      };
    });
  }

  function pushUndo(previous: Array<{ id: string; position: Position }>): void {
    if (!previous.length) return;
    undoStack.value = [...undoStack.value.slice(-49), previous];
  }

  function popUndo(): Array<{ id: string; position: Position }> | undefined {
    const last = undoStack.value[undoStack.value.length - 1];
    undoStack.value = undoStack.value.slice(0, -1);
    return last;
  }

  return {
    theme,
    locale,
    engine,
    toasts,
    confirmRequest,
    dialog,
    replicaDrop,
    selectedNodeId,
    replicaDropTarget,
    paletteDrag,
    placedByHandAt,
    logOpen,
    undoStack,
    toast,
    dismiss,
    confirm,
    pushUndo,
    popUndo,
  };
});
