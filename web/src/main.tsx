import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { openMessenger } from './messenger/open-messenger.ts';
import { registerServiceWorker } from './platform/service-worker-registration.ts';
import './app/app.css';

if (import.meta.env.PROD) registerServiceWorker();

const messenger = openMessenger();
// App shows a failure once it renders; until then the rejection is not "unhandled".
messenger.catch(() => undefined);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App messenger={messenger} />
  </StrictMode>,
);
