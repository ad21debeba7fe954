import { createApp } from 'vue';
import { createPinia } from 'pinia';
import '@vue-flow/core/dist/style.css';
import '@vue-flow/controls/dist/style.css';
import '@vue-flow/minimap/dist/style.css';
import './styles/base.css';
import App from './App.vue';
import { connectToLab } from './api';
import { createLabI18n } from './i18n';
import { useUiStore } from './stores/ui';

const pinia = createPinia();
const app = createApp(App, { connection: connectToLab() });
app.use(pinia);
// The UI store knows the saved or browser language; i18n starts in it.
app.use(createLabI18n(useUiStore(pinia).locale));
app.mount('#app');
