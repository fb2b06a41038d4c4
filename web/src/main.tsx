import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { openMessenger } from './messenger/open-messenger.ts';
import { registerServiceWorker } from './platform/service-worker-registration.ts';
import './app/app.css';

if (import.meta.env.PROD) registerServiceWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App messenger={openMessenger()} />
  </StrictMode>,
);
