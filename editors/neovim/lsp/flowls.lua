-- flowls for Neovim 0.11+: put this folder on 'runtimepath' (or copy this file to
-- ~/.config/nvim/lsp/flowls.lua) and call vim.lsp.enable('flowls').

---@param bufnr integer
---@param on_dir fun(root: string)
local function root_dir(bufnr, on_dir)
  local root = vim.fs.root(bufnr, function(name, path)
    if name == 'flowls.toml' then
      return true
    end
    -- a deploy-cli directory: config.json next to flows/, or the flows folders themselves
    if name == 'config.json' or name == 'flows' or name == 'flow-vault-connections' then
      return vim.uv.fs_stat(vim.fs.joinpath(path, 'flows')) ~= nil
        or vim.uv.fs_stat(vim.fs.joinpath(path, 'flow-vault-connections')) ~= nil
    end
    return false
  end) or vim.fs.root(bufnr, '.git')
  if root then
    on_dir(root)
  end
end

---@type vim.lsp.Config
return {
  cmd = { 'flowls', 'lsp' },
  filetypes = { 'json', 'jsonc', 'toml' },
  root_dir = root_dir,
  settings = {
    flowls = {
      keywordMappingsFile = 'config.json',
      diagnostics = { plaintextSecrets = true, trigger = 'onType' },
      testConnection = { timeoutSeconds = 10, caCertificates = {}, allowHttpLoopback = false },
    },
  },
  on_attach = function(client, bufnr)
    -- :FlowlsTestConnection — run Test connection for the vault file in this buffer
    vim.api.nvim_buf_create_user_command(bufnr, 'FlowlsTestConnection', function(args)
      local arg = { uri = vim.uri_from_bufnr(bufnr) }
      if args.args ~= '' then
        arg.connection = args.args
      end
      client:exec_cmd({ title = 'Test connection', command = 'flowls.testConnection', arguments = { arg } }, { bufnr = bufnr })
    end, { nargs = '?', desc = 'flowls: Test connection (optionally a connection name)' })
  end,
}
