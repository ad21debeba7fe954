import { defineConfig } from '@playwright/test';
import base from '../../playwright.config';

// The renderer benchmark runs with the end-to-end tests' browser settings, from its own folder.
export default defineConfig({ ...base, testDir: '.', outputDir: '../../test-results/bench', reporter: 'list' });
