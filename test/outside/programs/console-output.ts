// A program that logs: its output must not reach stdout in --json mode and shows once in text mode.
import * as pulumi from "@pulumi/pulumi";
import * as lib from "./lib";

console.log("program says hello");
pulumi.log.info("pulumi log line");
lib.resourceGroup();
