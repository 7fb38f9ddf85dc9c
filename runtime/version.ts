/** typegrad's version, recorded in weights files (a test keeps it equal to package.json's). */
export const TYPEGRAD_VERSION = "0.1.0";
