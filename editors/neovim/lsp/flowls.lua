-- flowls for Neovim 0.11+: put this folder on 'runtimepath' (or copy this file to
-- ~/.config/nvim/lsp/flowls.lua) and call vim.lsp.enable('flowls').
--
-- Follows nvim-lspconfig's conventions: the root is the nearest folder up with one of the
-- markers that make a folder a tenant kept as files. There is no bare `.git` fallback: a JSON
-- or YAML buffer gets flowls only where one of them is, not in every repository that has JSON
-- files. A Terraform buffer's root is its module (the nearest `.terraform` /
-- `.terraform.lock.hcl`, else its own folder): flowls answers only inside auth0_flow,
-- auth0_form, auth0_flow_vault_connection and auth0_client_grant resources, never formats, and
-- runs beside terraform-ls.

local markers = { 'flowls.toml', 'flows', 'flow-vault-connections', 'forms', 'tenant.yaml' }
local terraform = { terraform = true, ['terraform-vars'] = true, hcl = true }

---@type vim.lsp.Config
return {
  cmd = { 'flowls', 'lsp' },
  -- json/jsonc: flows, vault connections, grants, forms, config.json; yaml: deploy-cli's
  -- tenant.yaml; toml: flowls.toml; terraform/hcl: `.tf` modules with auth0 resources
  filetypes = { 'json', 'jsonc', 'yaml', 'toml', 'terraform', 'terraform-vars', 'hcl' },
  -- no root, no flowls
  workspace_required = true,
  root_dir = function(bufnr, on_dir)
    if not terraform[vim.bo[bufnr].filetype] then
      local root = vim.fs.root(bufnr, markers)
      if root then
        on_dir(root)
      end
      return
    end
    local name = vim.api.nvim_buf_get_name(bufnr)
    if name == '' then
      return
    end
    local tf = { '.terraform', '.terraform.lock.hcl' }
    on_dir(vim.fs.root(bufnr, markers) or vim.fs.root(bufnr, tf) or vim.fs.dirname(name))
  end,
  settings = {
    flowls = {
      keywordMappingsFile = 'config.json',
      diagnostics = { plaintextSecrets = true, trigger = 'onType' },
      testConnection = { timeoutSeconds = 10 },
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
    -- :FlowlsScopes — the least-privilege report of the workspace, in a scratch buffer
    vim.api.nvim_buf_create_user_command(bufnr, 'FlowlsScopes', function()
      client:request('workspace/executeCommand', { command = 'flowls.showScopes', arguments = {} }, function(err, report)
        if err or not report then
          vim.notify('flowls: ' .. (err and err.message or 'no report'), vim.log.levels.ERROR)
          return
        end
        local lines = {}
        for _, app in ipairs(report.applications or {}) do
          table.insert(lines, (app.client or '(application unknown)') .. ' — ' .. table.concat(app.connections, ', '))
          for _, n in ipairs(app.needed) do
            table.insert(lines, '  needs ' .. n.scope)
          end
          if #app.missing > 0 then
            table.insert(lines, '  missing: ' .. table.concat(app.missing, ', '))
          end
          if #app.excess > 0 then
            table.insert(lines, '  excess: ' .. table.concat(app.excess, ', '))
          end
        end
        vim.cmd.new()
        vim.bo.buftype = 'nofile'
        vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
      end, bufnr)
    end, { desc = 'flowls: least-privilege report of the workspace' })
    -- :FlowlsGraph — the graph of this buffer's flow or form (unsaved edits included: the
    -- server has the buffer's text), written as a self-contained HTML file and opened
    vim.api.nvim_buf_create_user_command(bufnr, 'FlowlsGraph', function()
      local params = { command = 'flowls.graph', arguments = { { uri = vim.uri_from_bufnr(bufnr), format = 'html' } } }
      client:request('workspace/executeCommand', params, function(err, result)
        if err or type(result) ~= 'table' or type(result.text) ~= 'string' then
          vim.notify('flowls: no graph: ' .. (err and err.message or 'the server sent none'), vim.log.levels.ERROR)
          return
        end
        local source = vim.api.nvim_buf_get_name(bufnr)
        local dir = vim.fs.joinpath(vim.fn.stdpath('cache'), 'flowls')
        vim.fn.mkdir(dir, 'p')
        -- one file per source file: its name, and a hash of its path for two files of one name
        local name = vim.fn.fnamemodify(source, ':t:r'):gsub('[^%w%-_.]', '_')
        local file = vim.fs.joinpath(dir, ('graph-%s-%s.html'):format(name, vim.fn.sha256(source):sub(1, 8)))
        local f, open_err = io.open(file, 'wb')
        if not f then
          vim.notify('flowls: cannot write the graph: ' .. tostring(open_err), vim.log.levels.ERROR)
          return
        end
        f:write(result.text)
        f:close()
        vim.notify('flowls: graph written to ' .. file, vim.log.levels.INFO)
        local _, open_failed = vim.ui.open(file)
        if open_failed then
          vim.notify('flowls: ' .. open_failed, vim.log.levels.WARN)
        end
      end, bufnr)
    end, { desc = 'flowls: the graph of this flow or form, as HTML in the browser' })
  end,
}
