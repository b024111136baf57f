// An async entrypoint awaiting something that never comes.
import * as lib from "./lib";

export = async () => {
  lib.resourceGroup();
  await new Promise<void>(() => undefined);
  return {};
};
