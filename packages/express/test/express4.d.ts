// express@4 installed under the alias `express4`; @types/express (5) describes it well enough for tests.
declare module 'express4' {
  import express = require('express');
  export = express;
}
