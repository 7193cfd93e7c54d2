import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createWorkbench } from './app/bootstrap';
import { initColorScheme } from './app/theme';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

initColorScheme();
const workbench = createWorkbench();

createRoot(container).render(
  <StrictMode>
    <App workbench={workbench} />
  </StrictMode>,
);
