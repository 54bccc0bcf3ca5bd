export { Project, CONFIG_FILE, type ProjectConfig, type ServerConfig } from './project.js';
