import { hello } from './hello.js';

export default hello;
