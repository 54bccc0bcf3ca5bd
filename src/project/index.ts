export { Project, CONFIG_FILE, type ProjectConfig } from './project.js';
export { jsonPath, firstIssue } from './json-issues.js';
