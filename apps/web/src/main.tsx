import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { BrowserRouter } from 'react-router';
import { App } from './app/App.tsx';
import { createBrowserServices } from './app/services.ts';
import { setupStore } from './app/store.ts';
import { startTheme } from './features/theme/theme.ts';
import './index.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
startTheme();

createRoot(root).render(
  <StrictMode>
    <Provider store={setupStore(createBrowserServices())}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </Provider>
  </StrictMode>,
);
