const { src, dest } = require('gulp');

// tsc compiles only TypeScript; n8n loads node icons and codex files from beside the .js files.
function copyIcons() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:icons'] = copyIcons;
