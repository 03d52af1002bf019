// Stylesheets imported by components are bundled by Vite.
declare module '*.css';
