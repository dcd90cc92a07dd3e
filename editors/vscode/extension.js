// Starts `mission lsp` (configurable with `mission.server.command`) for .mission files.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const configured = vscode.workspace.getConfiguration("mission").get("server.command");
  const [command, ...args] = configured && configured.length ? configured : ["mission", "lsp"];
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "mission" },
      { scheme: "untitled", language: "mission" },
    ],
  };
  client = new LanguageClient("mission", "Mission language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
