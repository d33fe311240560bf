import { registerRootComponent } from 'expo';
import { App } from './src/App';

// Expo Go, a native build and the web build all start here.
registerRootComponent(App);
