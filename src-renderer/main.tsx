import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createWorkbench } from './app/bootstrap';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const workbench = createWorkbench();

createRoot(container).render(
  <StrictMode>
    <App workbench={workbench} />
  </StrictMode>,
);
