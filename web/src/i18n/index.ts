import { en } from "./en";
export const t = en;
