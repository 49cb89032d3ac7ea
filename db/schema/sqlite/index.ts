export * from "./user";
export * from "./doctype";
export * from "./webhook";
export * from "./request-log";
export * from "./security";
export * from "./alert";
