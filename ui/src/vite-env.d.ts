/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" only for screenshot builds in a plain browser: installs the in-memory backend. */
  readonly VITE_IPC_MOCK?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
