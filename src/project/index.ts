export { Project, CONFIG_FILE, type ProjectConfig } from './project.js';
